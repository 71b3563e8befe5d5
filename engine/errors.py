"""The engine's errors: a shallow tree, each with a stable code."""


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""
    code = "engine.error"


class DuplicateActivity(EngineError):
    """Two activities registered under one name."""
    code = "engine.duplicate_activity"


class SpecInvalid(EngineError):
    """A workflow spec failed validation; ``errors`` lists every problem."""
    code = "spec.invalid"

    def __init__(self, errors):
        super().__init__(f"{len(errors)} problem(s) in spec")
        self.errors = errors


class NotFound(EngineError):
    """The named object does not exist."""
    code = "engine.not_found"


class Conflict(EngineError):
    """The action does not apply to the object's current state."""
    code = "engine.conflict"


class InvalidInput(EngineError):
    """Input failed validation (schema, expression, type)."""
    code = "engine.invalid_input"

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or []


class ExpressionLimit(InvalidInput):
    """An expression went past a limit on its cost or its numbers (``limit`` says which); never retried."""
    code = "engine.expression_limit"
    error_type = "ExpressionLimit"   # the step's error type (engine.protocol.ALWAYS_FINAL)

    def __init__(self, message, *, limit: str):
        super().__init__(message)
        self.limit = limit


class TooLarge(InvalidInput):
    """A value over its size limit (``limit`` names the setting); refused before anything of it is
    written, never retried."""
    code = "engine.too_large"
    error_type = "OutputTooLarge"   # the step's error type (engine.protocol.ALWAYS_FINAL)

    def __init__(self, message, *, limit: str):
        super().__init__(message)
        self.limit = limit


class CodeWorkflowReadOnly(InvalidInput):
    """A designer write on a code workflow: its versions come from its Python code (engine/workflows)."""
    code = "definition.code_read_only"
