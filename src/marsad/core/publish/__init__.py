"""What a public site may show, decided without Django: which incidents and fields
are public, how coordinates are coarsened, how sources are described (by kind,
never by who), how published files are named, and the manifest that lists them."""
