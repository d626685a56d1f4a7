import Testing

/// Every test here starts the Python SDK's authorization server, which takes seconds to import
/// on a loaded machine: one at a time, so that they do not starve each other or the rest of
/// the run (started all at once, they missed their start-up limit).
@Suite(.serialized) enum AuthorizationOverHTTP {}
