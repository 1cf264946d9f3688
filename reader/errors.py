"""Domain errors. The CLI turns each into one clean line on stderr and exit code 1."""


class ReaderError(Exception):
    """Base class for errors a user can act on."""


class NotFound(ReaderError):
    """An article, theme or digest id that does not exist."""


class BadInput(ReaderError):
    """Input that cannot be understood: a malformed URL, file or date."""


class UnsupportedURL(BadInput):
    """A URL whose scheme reader will not fetch (file:, javascript:, data:, ...)."""


class ImportFormatError(BadInput):
    """A file that is not what its format says."""


class FetchError(ReaderError):
    """A page that could not be fetched; recorded on its article, never fatal to a batch."""


class IndexNotReady(ReaderError):
    """Nothing is indexed yet, or the index belongs to another model."""


class NotEnoughData(ReaderError):
    """Too little in the library for the requested work (e.g. training themes)."""


class Cancelled(ReaderError):
    """Long work stopped on request; partial results were kept or rolled back."""
