from . import crm_lead_retarget
from . import crm_lead
from . import mailing_mailing
from . import mailing_trace
from . import mail_compose_message
