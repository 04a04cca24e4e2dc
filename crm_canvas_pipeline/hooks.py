def post_init_hook(env):
    """Turn on the Leads (Iniciativas) feature for internal users.

    The canvas starts every prospect as a lead, so the feature stock CRM hides
    behind a setting must be on; it stays a normal setting that an admin can
    turn off again in CRM > Configuration > Settings.
    """
    env.ref("base.group_user")._apply_group(env.ref("crm.group_use_lead"))
