"""The public publication log (issue 16): a C2SP tlog-tiles log of what was published,
apart from the internal custody log, with proofs beside every published file."""

from marsad.core.publog.keys import public_log_signer
from marsad.core.publog.log import PublicLog, PublicLogError, Published
from marsad.core.publog.site import publish_site, verifier_files

__all__ = ["PublicLog", "PublicLogError", "Published", "public_log_signer", "publish_site", "verifier_files"]
