package io.inferstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Body of an error reply: {@code {"error": "...", "code": 400, "id": "..."}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, int code, String id) {}
