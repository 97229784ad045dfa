"""The synthetic demo bank: a seeded generator of realistic ledgers and bank files."""
