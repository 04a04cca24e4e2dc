from . import lead_selection
from . import crm_lead_lost
from . import crm_lead_reactivate
from . import crm_lead_to_opportunity
from . import crm_lead_tag_update
from . import crm_lead_forget
