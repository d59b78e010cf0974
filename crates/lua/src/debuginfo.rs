//! Debug information derived from bytecode: chunk ids, variable and function names for messages.
