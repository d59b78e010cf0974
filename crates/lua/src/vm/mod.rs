//! The virtual machine: values, heap and GC, interpreter, calls and errors.
