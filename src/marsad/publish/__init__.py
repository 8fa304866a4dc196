"""`marsad publish`: the published incidents of a project as a static bilingual site.

collect.py reads the database into plain values (public fields only, media
redacted), site.py renders and writes the files, hooks.py is where the public
log will be told what was published. What is public is decided in
marsad.core.publish, free of Django."""
