"""Getting data in: the loader shared by the sandbox and file import, and the file importer."""
