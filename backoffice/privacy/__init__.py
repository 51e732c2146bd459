"""Privacy requests: access, erasure and consent withdrawal for a person across channels."""
