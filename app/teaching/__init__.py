"""Teaching plans (教学计划): one plan issued to many sites, the site's leeway, and progress."""
