import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { screenshot, serverIdle } from "@crm_canvas_pipeline/../tests/tours/canvas_tour_utils";

// The seed's journey (issue 10) as a sales rep, end to end in the browser.
// Fixtures come from TestSeedJourney (tests/test_tours.py): the team's
// pipeline (Discovery, Proposal, Won), the "Referral" tag, the "Terrace
// furniture" opportunity and the showcase leads the Canvas screenshot shows.
const INITIATIVE = "Coworking seats";
const LOSER = "Terrace furniture";
const column = (title) => `.o_kanban_group:has(.o_column_title:contains('${title}'))`;
const card = (name) => `.o_kanban_record:contains('${name}')`;
const stageButton = (stage) => `.o_statusbar_status button.o_arrow_button:contains('${stage}')`;
const currentStage = (stage) => `.o_statusbar_status button.o_arrow_button_current:contains('${stage}')`;
// The tag panel of the Canvas loads its values after the board is shown, then
// folds (no tag in use) or fills up, which moves the columns; and the board
// may be drawn from Odoo's cache first, then again with the server's data:
// wait for both, or a drag that starts before can be lost.
const openCanvas = () => [
    {
        trigger: ".o_main_navbar [data-menu-xmlid='crm_canvas_pipeline.crm_lead_menu_canvas']",
        content: "open the Canvas",
        run: "click",
    },
    {
        trigger: ".o_search_panel_sidebar, .o_search_panel .o_search_panel_section",
        content: "the Canvas and its tag panel are loaded",
    },
    serverIdle("the Canvas has the server's data"),
];

registry.category("web_tour.tours").add("crm_canvas_seed_journey_rep", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "open the CRM app",
            run: "click",
        },
        ...openCanvas(),
        // a new initiative, from the Canvas' quick create
        {
            trigger: `.o_kanban_renderer ${column("New initiative")}`,
            content: "the Canvas starts with the initiative columns",
        },
        screenshot(
            "canvas",
            `${column("Discovery")} ${card(LOSER)}`,
            "the rep's Canvas: initiatives, then the pipeline"
        ),
        // each card says when its next action is due, in colour, with its
        // type's icon, and how long it has been in its stage
        {
            trigger: `${card("Chairs for 40 desks")} [name=canvas_next_action] .text-danger .fa-phone`,
            content: "a call two days late is red",
        },
        {
            trigger: `${card("Meeting room screens")} [name=canvas_next_action] .text-warning`,
            content: "today's meeting is orange",
        },
        {
            trigger: `${card("Acoustic panels")} [name=canvas_next_action] .text-success`,
            content: "a task planned later is green",
        },
        {
            trigger: `${card("Acoustic panels")} span[title='Days in stage']:contains('0d')`,
            content: "the card counts its days in the stage",
        },
        {
            trigger: ".o_control_panel .o-kanban-button-new",
            content: "create an initiative",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            content: "name it",
            run: `edit ${INITIATIVE}`,
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=email_from] input",
            content: "give the prospect's email",
            run: "edit buyer@seed-journey.example.com",
        },
        {
            trigger: ".o_kanban_quick_create button.o_kanban_add",
            content: "add it",
            run: "click",
        },
        {
            trigger: `${column("New initiative")} ${card(INITIATIVE)}:contains('Initiative')`,
            content: "it lands in the first initiative stage; open it",
            run: "click",
        },
        {
            trigger: `.o_form_view ${currentStage("New initiative")}`,
            content: "the form of the initiative",
        },
        // tag it
        {
            trigger: ".o_field_widget[name=tag_ids] input",
            content: "tag it",
            run: "edit Referr",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Referral'):not(:contains('Create'))",
            content: "pick the existing tag",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=tag_ids] .o_tag:contains('Referral')",
            content: "the tag is set",
        },
        ...stepUtils.saveForm(),
        // add a note
        {
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote",
            content: "log a note",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            content: "write the note",
            run: "edit Wants a quote for twenty seats",
        },
        {
            trigger: ".o-mail-Composer-send:enabled",
            content: "log it",
            run: "click",
        },
        {
            trigger: ".o-mail-Message:contains('Wants a quote for twenty seats')",
            content: "the note is in the chatter",
        },
        // schedule a call
        {
            trigger: ".o_form_view div[name=canvas_schedule] button[name=action_canvas_schedule_call]",
            content: "schedule a call",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            content: "say what the call is about",
            run: "edit Call about the quote",
        },
        {
            trigger: ".modal button[name=action_schedule_activities]",
            content: "plan it",
            run: "click",
        },
        {
            trigger:
                "body:not(:has(.modal)) .o_field_widget[name=next_action_summary] input:value(Call about the quote)",
            content: "the call is the next action of the form",
        },
        // through the initiative stages with the status bar
        {
            trigger: stageButton("Contacted"),
            content: "move it to Contacted",
            run: "click",
        },
        {
            trigger: `.o_form_saved ${currentStage("Contacted")}`,
            content: "it is contacted",
        },
        {
            trigger: stageButton("Qualified initiative"),
            content: "move it to Qualified initiative",
            run: "click",
        },
        {
            trigger: `.o_form_saved ${currentStage("Qualified initiative")}`,
            content: "it is qualified",
        },
        // promote it by dragging it into the pipeline
        ...openCanvas(),
        {
            trigger: `${column("Qualified initiative")} ${card(INITIATIVE)}:contains('Initiative')`,
            content: "drag the initiative into the pipeline's first stage",
            run: `drag_and_drop (${column("Discovery")})`,
        },
        {
            trigger: `${column("Discovery")} ${card(INITIATIVE)}:contains('Opportunity')`,
            content: "it is an opportunity now; open it",
            run: "click",
        },
        {
            trigger: `.o_form_view ${currentStage("Discovery")}`,
            content: "the form of the opportunity",
        },
        // the next stage's rule blocks it until the field is filled
        {
            trigger: stageButton("Proposal"),
            content: "move it to the proposal stage",
            run: "click",
        },
        {
            trigger: ".modal:contains('Proposal'):contains('Expected Revenue')",
            content: "the stage rule says what is missing",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            content: "close the message",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_field_widget[name=expected_revenue] input",
            content: "fill the expected revenue",
            run: "edit 12000",
        },
        // the refused stage is still on the form: saving moves it with the revenue
        ...stepUtils.saveForm(),
        {
            trigger: `.o_form_saved ${currentStage("Proposal")}`,
            content: "it is in the proposal stage",
        },
        // win it: a customer
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_set_won_rainbowman]",
            content: "mark it won",
            run: "click",
        },
        {
            trigger: ".o_form_view .o-form-buttonbox button[name=action_canvas_open_customer]",
            content: "won: open its customer",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=email] input:value(buyer@seed-journey.example.com)",
            content: "the customer's form",
        },
        // lose the other one: the prospect asked not to be contacted
        ...openCanvas(),
        {
            trigger: `${column("Discovery")} ${card(LOSER)}`,
            content: "open the other opportunity",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[data-hotkey=l]:contains('Lost')",
            content: "mark it lost",
            run: "click",
        },
        {
            trigger:
                ".modal .o_field_widget[name=lost_reason_id] .o_selection_badge:contains('Asked not to be contacted')",
            content: "the reason: a do-not-contact one",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=contact_policy] input[data-value=do_not_contact]:checked",
            content: "the policy follows the reason: do not contact",
        },
        {
            trigger: ".modal .o_field_html[name=lost_feedback] .odoo-editor-editable div.o-paragraph",
            content: "say why",
            run: "editor They asked us to stop calling",
        },
        {
            trigger: ".modal button[name=action_lost_reason_apply]",
            content: "confirm the loss",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_form_view .alert-danger:contains('Do not contact')",
            content: "the form says not to contact the prospect",
        },
    ],
});
