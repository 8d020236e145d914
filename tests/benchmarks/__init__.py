"""RLS benchmark at scale: datasets, request families, variants, plan-shape tests, the report."""
