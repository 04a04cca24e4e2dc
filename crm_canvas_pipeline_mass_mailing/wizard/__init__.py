from . import crm_lead_retarget_campaign
