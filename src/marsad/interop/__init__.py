"""Moving a project between Marsad workspaces, and to other tools.

`bundle` reads and writes the project ZIP (pure Python: no Django, no database);
`project_zip` fills it from a workspace and loads it into another one."""
