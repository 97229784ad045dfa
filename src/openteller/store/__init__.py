"""Storage adapters: SQLAlchemy tables, migrations, repositories."""
