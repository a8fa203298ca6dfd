package io.inferstream.schemas;

/** An output named in a request's {@code outputs}, and whether it should come back binary. */
public record RequestedOutput(String name, boolean binaryData) {}
