import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { screenshot, serverIdle } from "@crm_canvas_pipeline/../tests/tours/canvas_tour_utils";

// The seed's journey (issue 10) as a sales manager, after the rep's: look at
// a lead lost twice and the Proposal stage's rules, extend the pipeline with a
// stage and its rule, then read the lost archive and the funnel. Run by
// TestSeedJourney (tests/test_tours.py), which takes the screenshots.
const menu = (xmlid) => `.o_main_navbar [data-menu-xmlid='${xmlid}']`;
const RELOST = "Lobby sofas";
const openStages = () => [
    {
        trigger: menu("crm.crm_menu_config"),
        content: "open the configuration menu",
        run: "click",
    },
    {
        trigger: "[data-menu-xmlid='crm_canvas_pipeline.crm_stage_menu_config']",
        content: "open the stages",
        run: "click",
    },
    {
        trigger: ".o_list_view .o_data_row:contains('Proposal')",
        content: "the stages list",
    },
];

registry.category("web_tour.tours").add("crm_canvas_seed_journey_manager", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "open the CRM app",
            run: "click",
        },
        // a lead lost twice, back with a call planned: its losses
        {
            trigger: menu("crm_canvas_pipeline.crm_lead_menu_canvas"),
            content: "open the Canvas",
            run: "click",
        },
        serverIdle("the Canvas has the server's data"),
        {
            trigger: `.o_kanban_record:contains('${RELOST}')`,
            content: "open the lead lost twice",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_notebook a[name='canvas_losses']",
            content: "open its losses",
            run: "click",
        },
        screenshot(
            "lead_form_losses",
            ".o_form_view .o_notebook .tab-pane.active .o_data_row:contains('Chose a competitor')",
            "its next action, its two losses and what the next stage needs"
        ),
        // the rules of the Proposal stage
        ...openStages(),
        {
            trigger: ".o_list_view .o_data_row:contains('Proposal') .o_data_cell[name=name]",
            content: "open the Proposal stage",
            run: "click",
        },
        screenshot(
            "stage_form_rules",
            ".o_form_view:has(.o_field_widget[name=requirements] textarea) .o_field_widget[name=required_field_ids] .o_tag:contains('Email')",
            "the stage's requirements, required fields and next action"
        ),
        // a new pipeline stage with a rule
        ...openStages(),
        {
            trigger: ".o_control_panel .o_list_button_add",
            content: "add a stage",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            content: "name it",
            run: "edit Negotiation",
        },
        {
            trigger: ".o_field_widget[name=stage_kind] input[data-value=opportunity]:checked",
            content: "a pipeline stage",
        },
        {
            trigger: ".o_field_widget[name=required_field_ids] input",
            content: "require a field before entering it",
            run: "edit Expected Revenue",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Expected Revenue')",
            content: "the expected revenue",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=required_field_ids] .o_tag:contains('Expected Revenue')",
            content: "the rule is set",
        },
        {
            trigger: ".o_field_widget[name=requires_next_action] input",
            content: "and a next action",
            run: "check",
        },
        ...stepUtils.saveForm(),
        // the lost archive keeps the rep's loss
        {
            trigger: menu("crm.crm_menu_report"),
            content: "open the reporting menu",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='crm_canvas_pipeline.crm_lead_loss_menu_archive']",
            content: "open the lost archive",
            run: "click",
        },
        {
            trigger:
                ".o_list_view .o_data_row:contains('Terrace furniture'):contains('Asked not to be contacted'):contains('Do not contact')",
            content: "the loss, its reason and its contact policy",
        },
        screenshot("lost_archive", ".o_list_view .o_data_row:contains('Lobby sofas')", "the lost archive"),
        // the funnel: how far the records went
        {
            trigger: menu("crm.crm_menu_report"),
            content: "open the reporting menu",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='crm_canvas_pipeline.crm_lead_stage_report_menu_funnel']",
            content: "open the pipeline flow",
            run: "click",
        },
        serverIdle("the funnel has the server's data"),
        screenshot(
            "pipeline_flow",
            ".o_graph_view:not(:has(.o_view_sample_data)) .o_graph_renderer canvas",
            "the funnel: a bar per stage the records reached, in pipeline order"
        ),
        {
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            content: "the pivot, one click away",
            run: "click",
        },
        {
            trigger:
                ".o_pivot_view:not(:has(.o_view_sample_data)) .o_pivot tbody tr:has(th:contains('New initiative')) ~ tr:has(th:contains('Proposal'))",
            content: "the stages read from the first contact to won",
        },
    ],
});
