"""Perceptual fingerprints: the Fingerprint protocol and its built-in kinds (PDQ, video PDQ)."""
