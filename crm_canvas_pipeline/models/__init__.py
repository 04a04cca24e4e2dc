from . import crm_team
from . import crm_stage
from . import crm_lost_reason
from . import crm_lead
from . import crm_lead_loss
from . import mail_activity
from . import res_config_settings
