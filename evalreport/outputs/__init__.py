"""The outputs of a build: version folders (`versions`), their `manifest`, the
`diff` between versions, the `site` index and `publish` to a destination."""
