import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Issue 21's journey, run by tests/test_campaign_tour.py: a manager sends a
// campaign from the re-target pool; once a prospect has replied (the test
// runs the mail gateway), their rep finds them back on the Canvas, in the
// first initiative column, with the reply to answer.
const menu = (xmlid) => `.o_main_navbar [data-menu-xmlid='${xmlid}']`;
const PROSPECT = "Sillas de oficina";
const CAMPAIGN = "Demasiado caro, seis meses después";

const openCrm = () => [
    stepUtils.showAppsMenuItem(),
    {
        trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
        content: "open the CRM app",
        run: "click",
    },
];

registry.category("web_tour.tours").add("crm_canvas_retarget_campaign_manager", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        {
            trigger: menu("crm.crm_menu_sales"),
            content: "open the Sales menu",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='crm_canvas_pipeline.crm_lead_menu_retarget_pool']",
            content: "open the re-target pool",
            run: "click",
        },
        {
            trigger: `.o_list_view .o_data_row:contains('${PROSPECT}')`,
            content: "the prospect lost as too expensive is due",
        },
        {
            trigger: "button:contains('Send a campaign')",
            content: "send a campaign to the whole pool",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='recipient_count']:contains('2')",
            content: "the two due prospects who may be contacted",
        },
        {
            trigger: ".modal .o_field_widget[name='name'] input",
            content: "name the campaign",
            run: `edit ${CAMPAIGN}`,
        },
        {
            trigger: ".modal button[name='action_create_campaign']",
            content: "create the mailing",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_view_canvas_retarget']:contains('2')",
            content: "the mailing, addressed to the two prospects",
        },
    ],
});

registry.category("web_tour.tours").add("crm_canvas_retarget_campaign_rep", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        {
            trigger: menu("crm_canvas_pipeline.crm_lead_menu_canvas"),
            content: "open the Canvas",
            run: "click",
        },
        {
            trigger: `.o_kanban_group:has(.o_column_title:contains('New initiative')) .o_kanban_record:contains('${PROSPECT}')`,
            content: "the prospect who replied is back in the first initiative column",
            run: "click",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Brought back by the campaign')",
            content: "the chatter says which campaign brought them back",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Activity:contains('Answer the re-target reply')",
            content: "a call to answer them, planned for today",
        },
    ],
});
