package io.permafrost.schema;

/** A column whose PostgreSQL type has no lossless archive mapping. */
public class UnsupportedTypeException extends RuntimeException {
    public UnsupportedTypeException(String message) {
        super(message);
    }
}
