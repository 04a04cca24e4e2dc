import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const column = (title) => `.o_kanban_group:has(.o_column_title:contains('${title}'))`;

// A rep opens CRM > Canvas and drags an initiative from "Contacted" into the
// pipeline's first stage.
registry.category("web_tour.tours").add("crm_canvas_drag_promote", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "open the CRM app",
            run: "click",
        },
        {
            trigger: ".o_main_navbar [data-menu-xmlid='crm_canvas_pipeline.crm_lead_menu_canvas']",
            content: "open the Canvas",
            run: "click",
        },
        {
            // the tag panel loads its values after the board, then folds or
            // fills up and moves the columns: a drag that starts before is lost
            trigger: ".o_search_panel_sidebar, .o_search_panel .o_search_panel_section",
            content: "the Canvas and its tag panel are loaded",
        },
        {
            trigger: `${column("Contacted")} .o_kanban_record:contains('Tour initiative')`,
            content: "drag the initiative into the pipeline's first stage",
            run: `drag_and_drop (${column("Tour intake")})`,
        },
        {
            trigger: `${column("Tour intake")} .o_kanban_record:contains('Tour initiative'):contains('Opportunity')`,
            content: "it is now an opportunity in that stage",
        },
    ],
});
