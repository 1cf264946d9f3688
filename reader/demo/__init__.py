"""Sample content for `reader demo`: original essays (essays/*.md) and manifest.json.

Data only: `reader.services.demo` reads these files and builds a library from them.
"""
