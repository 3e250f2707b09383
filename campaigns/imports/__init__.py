"""CSV imports of contacts: reading the file, row checks, the writer, import jobs and their tasks."""
