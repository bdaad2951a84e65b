"""A small project with every kind of outcome, for the JUnit reporter."""
