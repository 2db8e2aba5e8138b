"""Help in plain words: the glossary panel and the links into it."""
