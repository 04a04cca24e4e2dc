"""Load and fault run of crm_canvas_pipeline (issue 9, parts 4 and 5).

Started by scripts/load.sh with the venv's Python on a database seeded by
seed.py. It starts Odoo in multi-worker mode on loopback, runs one client
thread per rep over JSON-RPC (session cookie, /web/dataset/call_kw) for a
fixed time, optionally kills a worker and restarts PostgreSQL on the way,
stops Odoo and then checks, in SQL:

- the module's invariants (crm_canvas_pipeline/tests/invariants.py, which
  the tests' assertCanvasInvariants checks too), plus nothing of ours
  deleted (every row that existed before the run still exists);
- every acknowledged write is in the database, and the final state of every
  lead the clients touched is what the last logged operation on it says.

Each rep owns distinct leads and works sequentially, so the log of one
client is the whole story of its leads. An operation whose outcome stays
unknown after its retries is followed by a read of the lead ("observed"), so
the log always ends in a known state.

Writes a JSON report and exits 1 on an unexpected error or a failed check.
"""

import argparse
import configparser
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import psycopg2
import requests


def _load_invariants():
    """The module's invariants (crm_canvas_pipeline/tests/invariants.py),
    loaded by path: that file imports nothing of Odoo, this script runs
    outside it."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "crm_canvas_pipeline", "tests")
    spec = importlib.util.spec_from_file_location("canvas_invariants", os.path.join(path, "invariants.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


invariants = _load_invariants()
EXPECTED_RULE_ERRORS = {"odoo.exceptions.UserError", "odoo.exceptions.ValidationError"}
# failures after which the same request is sent again: the operation either
# did not happen or, replayed, leaves the same state (writes of a value,
# archive/unarchive; a completed activity is checked before replaying)
RETRYABLE_ERRORS = (
    "psycopg2.",
    "odoo.exceptions.ConcurrencyError",
    "odoo.http.SessionExpiredException",
    "odoo.service.model.RetryableError",
)
MAX_ATTEMPTS = 8
# stages of no team in particular: the ones every team's board shows
ALL_TEAMS = "NOT EXISTS (SELECT 1 FROM crm_stage_crm_team_rel r WHERE r.crm_stage_id = crm_stage.id)"
REQUEST_TIMEOUT = (5, 120)
WEIGHTS = {
    "canvas": 14,
    "drag": 34,
    "schedule": 14,
    "complete": 10,
    "lose": 10,
    "restore": 8,
    "illegal_drag": 5,
    "schedule_dnc": 5,
}
CARD_SPEC = {
    "name": {},
    "partner_name": {},
    "type": {},
    "expected_revenue": {},
    "won_status": {},
    "stage_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "tag_ids": {"fields": {"display_name": {}}},
    "next_action_date": {},
    "next_action_type_id": {"fields": {"display_name": {}}},
    "next_action_summary": {},
    "contact_policy": {},
    "canvas_days_in_stage": {},
}


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def percentiles(values):
    if not values:
        return {"n": 0}
    values = sorted(values)

    def pick(q):
        return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)

    return {"n": len(values), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99), "max_ms": pick(1.0)}


class RpcError(Exception):
    def __init__(self, kind, message="", status=None):
        super().__init__("%s: %s" % (kind, message))
        self.kind = kind
        self.message = message
        self.status = status


class Client(threading.Thread):
    """One rep: logs in, loads its leads, then runs the weighted mix until
    the deadline, logging every operation with its outcome."""

    def __init__(self, run, login, seed):
        super().__init__(name=login, daemon=True)
        self.run_ = run
        self.login = login
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.log = []  # operations, in order
        self.requests = []  # (op, seconds, outcome kind)
        self.attempt_errors = Counter()
        self.final_errors = Counter()
        self.retries = 0
        self.leads = {}
        self.uid = None
        self.fatal = None

    # -- transport -------------------------------------------------------

    def _post(self, path, params, op):
        url = self.run_.base_url + path
        started = time.monotonic()
        try:
            response = self.http.post(
                url, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            self.requests.append((op, time.monotonic() - started, "connection"))
            raise RpcError("connection:%s" % type(exc).__name__, str(exc)[:200]) from exc
        elapsed = time.monotonic() - started
        if response.status_code >= 400:
            self.requests.append((op, elapsed, "http_%s" % response.status_code))
            raise RpcError("http_%s" % response.status_code, response.text[:200], response.status_code)
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            name = data.get("name") or body["error"].get("message") or "unknown"
            self.requests.append((op, elapsed, name))
            raise RpcError(name, (data.get("message") or "")[:300])
        self.requests.append((op, elapsed, "ok"))
        return body.get("result")

    def authenticate(self):
        result = self._post(
            "/web/session/authenticate",
            {"db": self.run_.db, "login": self.login, "password": self.login},
            "login",
        )
        self.uid = result["uid"]

    def call(self, model, method, args, kwargs=None, op="other"):
        kwargs = dict(kwargs or {})
        kwargs.setdefault("context", {"lang": "en_US", "tz": "UTC"})
        return self._post(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            op,
        )

    def call_retrying(self, op, model, method, args, kwargs=None, replay_check=None):
        """Send until a definite answer. Returns (result, attempts); raises
        RpcError for a definite error (a rule violation) or when retries are
        exhausted (kind 'exhausted:...'). `replay_check`, called before a
        replay, may return a result meaning the lost attempt was applied."""
        delay = 0.5
        last = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self.call(model, method, args, kwargs, op=op), attempt
            except RpcError as exc:
                last = exc
                retryable = (
                    exc.kind.startswith("connection:")
                    or (exc.status or 0) >= 500
                    # the database unreachable (PostgreSQL restarting): Odoo
                    # logs the session out and serves the URL without a
                    # database, where /web/dataset/call_kw does not exist
                    or exc.status == 404
                    or exc.kind.startswith(RETRYABLE_ERRORS)
                    or ("connection" in exc.message.lower() and exc.kind.startswith("odoo."))
                )
                if not retryable:
                    raise
                self.attempt_errors[exc.kind] += 1
                self.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 5)
                if exc.kind == "odoo.http.SessionExpiredException" or exc.status in (403, 404):
                    self._relogin()
                if replay_check is not None:
                    try:
                        done = replay_check()
                    except RpcError:
                        done = None
                    if done is not None:
                        return done, attempt + 1
        raise RpcError("exhausted:%s" % last.kind, last.message)

    def _relogin(self):
        for _attempt in range(MAX_ATTEMPTS):
            try:
                self.authenticate()
                return
            except RpcError as exc:
                self.attempt_errors["login:%s" % exc.kind] += 1
                time.sleep(2)

    # -- the rep's leads -----------------------------------------------

    def load_leads(self):
        rows, _attempts = self.call_retrying(
            "init",
            "crm.lead",
            "search_read",
            [[("user_id", "=", self.uid), ("name", "=like", "Load %")]],
            {
                "fields": ["stage_id", "type", "active", "won_status", "contact_policy", "next_action_date"],
                "context": {"active_test": False, "lang": "en_US", "tz": "UTC"},
            },
        )
        for row in rows:
            self.leads[row["id"]] = self._state_of(row)

    @staticmethod
    def _state_of(row):
        return {
            "stage_id": row["stage_id"] and row["stage_id"][0],
            "type": row["type"],
            "active": row["active"],
            "lost": row["won_status"] == "lost",
            "dnc": row["contact_policy"] == "do_not_contact",
            "next_action_date": row["next_action_date"] or False,
        }

    def observe(self, lead_id):
        """After an operation whose outcome stayed unknown: read the lead."""
        try:
            rows, _attempts = self.call_retrying(
                "observe",
                "crm.lead",
                "read",
                [[lead_id], ["stage_id", "type", "active", "won_status", "contact_policy", "next_action_date"]],
                {"context": {"active_test": False, "lang": "en_US", "tz": "UTC"}},
            )
            state = self._state_of(rows[0])
        except RpcError:
            state = None  # indeterminate: left out of the final-state check
        self.leads[lead_id] = state or self.leads[lead_id]
        self.log.append({"op": "observe", "lead": lead_id, "outcome": "ok" if state else "error", "state": state})

    # -- the scenario ---------------------------------------------------

    def pick(self, predicate):
        candidates = [lead_id for lead_id, state in self.leads.items() if state and predicate(state)]
        return self.rng.choice(candidates) if candidates else None

    def run(self):
        try:
            self.authenticate()
            self.load_leads()
        except Exception as exc:
            self.fatal = "setup: %r" % exc
            self.run_.ready.wait()
            return
        self.run_.ready.wait()
        ops = list(WEIGHTS)
        weights = [WEIGHTS[op] for op in ops]
        while time.monotonic() < self.run_.deadline:
            op = self.rng.choices(ops, weights)[0]
            try:
                getattr(self, "op_" + op)()
            except Exception as exc:
                self.final_errors["client:%s" % type(exc).__name__] += 1
                self.log.append({"op": op, "outcome": "error", "kind": "client:%r" % exc})

    def _do(self, op, lead_id, model, method, args, kwargs=None, expect=None, expect_error=False, replay_check=None):
        """Run one operation and log it. `expect`: the lead's state once the
        write is acknowledged. `expect_error`: the scenario expects a rule
        violation (a success is then a failure)."""
        entry = {"op": op, "lead": lead_id, "t0": utcnow().isoformat(sep=" ")}
        started = time.monotonic()
        try:
            result, attempts = self.call_retrying(op, model, method, args, kwargs, replay_check)
        except RpcError as exc:
            entry["seconds"] = time.monotonic() - started
            entry["kind"] = exc.kind
            if expect_error and exc.kind in EXPECTED_RULE_ERRORS:
                entry["outcome"] = "expected_violation"
                self.log.append(entry)
                return None
            entry["outcome"] = "error"
            entry["message"] = exc.message
            self.final_errors[exc.kind] += 1
            self.log.append(entry)
            if lead_id and not expect_error:
                self.observe(lead_id)
            return None
        entry["seconds"] = time.monotonic() - started
        entry["attempts"] = attempts
        if expect_error:
            entry["outcome"] = "unexpected_success"
            self.final_errors["unexpected_success:%s" % op] += 1
            self.log.append(entry)
            if lead_id:
                self.observe(lead_id)
            return result
        entry["outcome"] = "ok"
        if expect is not None and lead_id:
            state = dict(self.leads[lead_id], **expect)
            self.leads[lead_id] = state
            entry["state"] = state
        self.log.append(entry)
        return result

    def op_canvas(self):
        domain = ["|", ("team_id.user_id", "=", self.uid), ("team_id.member_ids", "in", [self.uid])]
        self._do(
            "canvas",
            None,
            "crm.lead",
            "web_read_group",
            [domain, ["stage_id"]],
            {
                "aggregates": ["expected_revenue:sum"],
                "auto_unfold": True,
                "unfold_read_specification": CARD_SPEC,
                "unfold_read_default_limit": 40,
                "context": {"default_type": "lead", "show_user_team_stages": True, "lang": "en_US", "tz": "UTC"},
            },
        )

    def op_drag(self):
        lead_id = self.pick(lambda s: s["active"] and not s["lost"])
        if not lead_id:
            return
        state = self.leads[lead_id]
        stages = self.run_.initiative if state["type"] == "lead" else self.run_.pipeline
        index = stages.index(state["stage_id"]) if state["stage_id"] in stages else -1
        if state["type"] == "lead" and index == len(stages) - 1:
            op, target, expect = "promote", self.run_.pipeline[0], {"type": "opportunity"}
        else:
            op, target, expect = "drag", stages[(index + 1) % len(stages)], {}
        self._do(
            op, lead_id, "crm.lead", "write", [[lead_id], {"stage_id": target}], expect=dict(expect, stage_id=target)
        )

    def op_illegal_drag(self):
        lead_id = self.pick(lambda s: s["active"] and s["type"] == "opportunity")
        if lead_id:
            target = self.run_.initiative[0]
            self._do("illegal_drag", lead_id, "crm.lead", "write", [[lead_id], {"stage_id": target}], expect_error=True)

    def op_schedule(self):
        lead_id = self.pick(lambda s: s["active"] and not s["dnc"])
        if lead_id:
            day = (date.today() + timedelta(days=self.rng.randrange(1, 30))).isoformat()
            self._do(
                "schedule",
                lead_id,
                "crm.lead",
                "write",
                [[lead_id], {"next_action_date": day}],
                expect={"next_action_date": day},
            )

    def op_schedule_dnc(self):
        # do-not-contact leads are mostly lost (archived): no activity either
        lead_id = self.pick(lambda s: s["dnc"] and not s["next_action_date"])
        if lead_id:
            day = (date.today() + timedelta(days=3)).isoformat()
            self._do(
                "schedule_dnc",
                lead_id,
                "crm.lead",
                "write",
                [[lead_id], {"next_action_date": day}],
                expect_error=True,
            )

    def op_complete(self):
        lead_id = self.pick(lambda s: s["active"] and s["next_action_date"])
        if not lead_id:
            return
        try:
            # the next action mirrors the earliest open activity
            first, _attempts = self.call_retrying(
                "complete",
                "mail.activity",
                "search",
                [[("res_model", "=", "crm.lead"), ("res_id", "=", lead_id)]],
                {"order": "date_deadline, id", "limit": 1},
            )
        except RpcError as exc:
            self.final_errors[exc.kind] += 1
            self.log.append({"op": "complete", "lead": lead_id, "outcome": "error", "kind": exc.kind})
            self.observe(lead_id)
            return
        if not first:
            self.observe(lead_id)  # the local model was wrong: say so in the log
            return
        activity_id = first[0]

        def applied():
            # a replay after a lost answer: done if the activity is gone
            found = self.call("mail.activity", "search_count", [[("id", "=", activity_id)]], op="complete")
            return True if not found else None

        entry_count = len(self.log)
        self._do(
            "complete",
            lead_id,
            "mail.activity",
            "action_feedback",
            [[activity_id]],
            {"feedback": "Done by the load run"},
            expect={"next_action_date": False},
            replay_check=applied,
        )
        if len(self.log) > entry_count and self.log[entry_count]["op"] == "complete":
            self.log[entry_count]["activity"] = activity_id

    def op_lose(self):
        lead_id = self.pick(lambda s: s["active"] and not s["lost"])
        if not lead_id:
            return
        reason_id, policy = self.rng.choice(self.run_.reasons)
        expect = {"active": False, "lost": True, "next_action_date": False}
        if policy == "do_not_contact":
            expect["dnc"] = True
        if policy == "do_not_contact" or self.rng.random() < 0.3:
            # the Lost wizard, as the button opens it
            try:
                wizard_id, _attempts = self.call_retrying(
                    "lose",
                    "crm.lead.lost",
                    "create",
                    [{"lead_ids": [(6, 0, [lead_id])], "lost_reason_id": reason_id, "lost_feedback": "<p>load</p>"}],
                )
            except RpcError as exc:
                self.final_errors[exc.kind] += 1
                self.log.append({"op": "lose", "lead": lead_id, "outcome": "error", "kind": exc.kind})
                return
            wizard_id = wizard_id[0] if isinstance(wizard_id, list) else wizard_id
            self._do("lose", lead_id, "crm.lead.lost", "action_lost_reason_apply", [[wizard_id]], expect=expect)
        else:
            self._do(
                "lose",
                lead_id,
                "crm.lead",
                "action_set_lost",
                [[lead_id]],
                {"lost_reason_id": reason_id},
                expect=expect,
            )

    def op_restore(self):
        lead_id = self.pick(lambda s: s["lost"])
        if lead_id:
            self._do(
                "restore",
                lead_id,
                "crm.lead",
                "action_restore",
                [[lead_id]],
                expect={"active": True, "lost": False},
            )


class LoadRun:
    def __init__(self, options):
        self.options = options
        self.db = options.db
        conf = configparser.ConfigParser()
        conf.read(os.environ["ODOO_CONF"])
        self.pg = {
            "host": conf["options"]["db_host"],
            "port": int(conf["options"]["db_port"]),
            "user": conf["options"]["db_user"],
            "dbname": self.db,
        }
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%s" % self.port
        self.ready = threading.Event()
        self.deadline = 0.0
        self.faults = []
        self.odoo = None
        self.workers_at_end = []

    # -- Odoo -----------------------------------------------------------

    def start_odoo(self):
        log = os.path.join(self.options.out, "odoo-%s.log" % self.options.name)
        open(log, "w").close()  # Odoo appends: one run per log
        cmd = [
            os.path.join(os.environ["VENV"], "bin", "python"),
            os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
            "-c",
            os.environ["ODOO_CONF"],
            "-d",
            self.db,
            "--db-filter",
            "^%s$" % self.db,
            "--workers",
            str(self.options.workers),
            "--max-cron-threads",
            "0",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "300",
            "--limit-request",
            "100000",
            "--db_maxconn",
            "32",
            "--logfile",
            log,
            "--log-level",
            "info",
        ]
        self.odoo = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        give_up = time.monotonic() + 240
        while time.monotonic() < give_up:
            if self.odoo.poll() is not None:
                raise SystemExit("Odoo exited at start (see %s)" % log)
            try:
                if requests.get(self.base_url + "/web/login", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise SystemExit("Odoo did not answer within 240 s (see %s)" % log)

    def stop_odoo(self):
        if not self.odoo or self.odoo.poll() is not None:
            return
        os.kill(self.odoo.pid, signal.SIGTERM)
        try:
            self.odoo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.odoo.pid, signal.SIGKILL)
            self.odoo.wait(timeout=30)
        # workers that outlive their master (killed process group otherwise)
        try:
            os.killpg(self.odoo.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def http_workers(self):
        out = subprocess.run(["pgrep", "-P", str(self.odoo.pid)], capture_output=True, text=True, check=False)
        pids = []
        for pid in out.stdout.split():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    args = handle.read().decode().split("\0")
            except OSError:
                continue
            # the longpolling process is `odoo-bin gevent ...`; HTTP workers
            # are forks of the master, with its command line
            if "gevent" not in args:
                pids.append(int(pid))
        return pids

    # -- faults -----------------------------------------------------------

    def inject_faults(self, start):
        def at(offset):
            time.sleep(max(0.0, start + offset - time.monotonic()))

        at(self.options.kill_at)
        workers = self.http_workers()
        if workers:
            victim = random.choice(workers)
            os.kill(victim, signal.SIGKILL)
            self.faults.append({"t": round(time.monotonic() - start, 1), "fault": "SIGKILL worker", "pid": victim})
        else:
            self.faults.append({"t": round(time.monotonic() - start, 1), "fault": "no worker found to kill"})
        at(self.options.pg_restart_at)
        began = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", 'source "%s/lib.sh" && pg_restart' % os.environ["SCRIPTS"]],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.faults.append(
            {
                "t": round(began - start, 1),
                "fault": "PostgreSQL restart (pg_ctl restart -m fast)",
                "rc": result.returncode,
                "seconds": round(time.monotonic() - began, 1),
                "stderr": result.stderr[-300:],
            }
        )

    def faults_injected(self):
        """The fault run proves something only if both faults happened and
        Odoo is back to its number of workers."""
        kinds = {fault["fault"] for fault in self.faults if fault.get("rc", 0) == 0}
        return {"SIGKILL worker", "PostgreSQL restart (pg_ctl restart -m fast)"} <= kinds and len(
            self.workers_at_end
        ) == self.options.workers

    # -- the database -----------------------------------------------------

    def connect(self):
        for _attempt in range(30):
            try:
                return psycopg2.connect(connect_timeout=10, **self.pg)
            except psycopg2.OperationalError:
                time.sleep(2)
        return psycopg2.connect(connect_timeout=10, **self.pg)

    def snapshot(self):
        with self.connect() as cnx, cnx.cursor() as cr:
            counts = {}
            for table in ("crm_lead", "crm_lead_loss", "crm_lead_stage_history", "mail_blacklist", "phone_blacklist"):
                cr.execute("SELECT count(*), COALESCE(max(id), 0) FROM %s" % table)
                counts[table] = cr.fetchone()
            return counts

    def load_reference(self):
        """The stages every team sees (no team set), in board order, and the
        lost reasons with their contact policy."""
        with self.connect() as cnx, cnx.cursor() as cr:
            cr.execute(
                "SELECT id FROM crm_stage WHERE active AND stage_kind = 'lead' AND %s ORDER BY sequence, id" % ALL_TEAMS
            )
            self.initiative = [row[0] for row in cr.fetchall()]
            cr.execute(
                """SELECT id FROM crm_stage WHERE active AND stage_kind = 'opportunity' AND %s
                   AND NOT COALESCE(is_won, FALSE) ORDER BY sequence, id"""
                % ALL_TEAMS
            )
            self.pipeline = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT id, COALESCE(contact_policy, 'none') FROM crm_lost_reason WHERE active ORDER BY id")
            reasons = cr.fetchall()
        # one loss in eight asks not to be contacted: enough do-not-contact
        # leads for the scenario to try (and fail) to plan their next action
        self.reasons = reasons

    # -- the run ---------------------------------------------------------

    def execute(self):
        os.makedirs(self.options.out, exist_ok=True)
        self.load_reference()
        before = self.snapshot()
        self.start_odoo()
        clients = [Client(self, "rep%02d" % (index + 1), seed=index + 1000 * self.options.seed) for index in range(16)]
        clients = clients[: self.options.clients]
        for client in clients:
            client.start()
        # set-up (login, each rep's leads) is not measured
        setup_until = time.monotonic() + 300
        while time.monotonic() < setup_until and any(c.is_alive() and not c.leads and not c.fatal for c in clients):
            time.sleep(0.5)
        for client in clients:
            client.requests.clear()
            client.attempt_errors.clear()
            client.retries = 0
        start = time.monotonic()
        self.deadline = start + self.options.duration
        self.ready.set()
        fault_thread = None
        if self.options.faults:
            fault_thread = threading.Thread(target=self.inject_faults, args=(start,), daemon=True)
            fault_thread.start()
        for client in clients:
            client.join(timeout=max(1.0, self.deadline - time.monotonic()) + 600)
        elapsed = time.monotonic() - start
        if fault_thread:
            fault_thread.join(timeout=180)
        hung = [c.login for c in clients if c.is_alive()]
        self.workers_at_end = self.http_workers()  # the master replaced the killed one
        self.stop_odoo()
        report = self.report(clients, elapsed, before, hung)
        path = os.path.join(self.options.out, "%s.json" % self.options.name)
        with open(path, "w") as handle:
            json.dump(report, handle, indent=2, default=str)
        with open(os.path.join(self.options.out, "%s-oplog.json" % self.options.name), "w") as handle:
            json.dump({c.login: c.log for c in clients}, handle, default=str)
        print_summary(report, path)
        return 0 if report["passed"] else 1

    def report(self, clients, elapsed, before, hung):
        requests_ = [r for c in clients for r in c.requests]
        by_op = defaultdict(list)
        for op, seconds, kind in requests_:
            if kind == "ok":
                by_op[op].append(seconds)
        op_latency = defaultdict(list)
        outcomes = Counter()
        for client in clients:
            for entry in client.log:
                outcomes["%s:%s" % (entry["op"], entry["outcome"])] += 1
                if entry["outcome"] in ("ok", "expected_violation") and "seconds" in entry:
                    op_latency[entry["op"]].append(entry["seconds"])
        attempt_errors = sum((c.attempt_errors for c in clients), Counter())
        final_errors = sum((c.final_errors for c in clients), Counter())
        http_5xx = sum(n for kind, n in attempt_errors.items() if kind.startswith("http_5"))
        operations = sum(1 for c in clients for e in c.log if e["op"] != "observe")
        checks = self.check(clients, before)
        fatal = {c.login: c.fatal for c in clients if c.fatal}
        passed = (
            not final_errors
            and not fatal
            and not hung
            and all(check["ok"] for check in checks.values())
            and (self.options.faults or (not attempt_errors and not http_5xx))
            and (not self.options.faults or self.faults_injected())
        )
        return {
            "name": self.options.name,
            "faults": self.faults if self.options.faults else None,
            "clients": len(clients),
            "workers": self.options.workers,
            "duration_s": round(elapsed, 1),
            "requests": len(requests_),
            "requests_per_s": round(len(requests_) / elapsed, 1),
            "operations": operations,
            "operations_per_s": round(operations / elapsed, 1),
            "latency_all_requests": percentiles([s for s_list in by_op.values() for s in s_list]),
            "latency_per_request_op": {op: percentiles(v) for op, v in sorted(by_op.items())},
            "latency_per_operation": {op: percentiles(v) for op, v in sorted(op_latency.items())},
            "outcomes": dict(sorted(outcomes.items())),
            "http_5xx": http_5xx,
            "failed_attempts_by_kind": dict(attempt_errors),
            "retries": sum(c.retries for c in clients),
            "errors_by_kind": dict(final_errors),
            "client_setup_failures": fatal,
            "hung_clients": hung,
            "http_workers_at_end": len(self.workers_at_end),
            "checks": checks,
            "passed": passed,
            "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()},
            "finished": utcnow().isoformat(sep=" "),
        }

    # -- checks ------------------------------------------------------------

    def check(self, clients, before):
        results = {}
        with self.connect() as cnx, cnx.cursor() as cr:

            def add(name, bad, detail=None):
                results[name] = {"ok": not bad, "violations": len(bad), "sample": bad[:10]}
                if detail:
                    results[name]["detail"] = detail

            # the module's invariants, as its tests check them
            for name, bad in invariants.violations(cr).items():
                add(name, bad)
            after = {}
            deleted = []
            for table, (count, max_id) in before.items():
                cr.execute("SELECT count(*) FROM %s WHERE id <= %%s" % table, (max_id,))
                kept = cr.fetchone()[0]
                cr.execute("SELECT count(*) FROM %s" % table)
                after[table] = {"before": count, "after": cr.fetchone()[0], "kept_of_before": kept}
                if kept < count and table != "crm_lead":
                    deleted.append(table)
                if table == "crm_lead" and kept < count:
                    deleted.append(table)
            add("no_row_of_ours_deleted", deleted, after)

            # acknowledged writes and the final state
            missing = []
            mismatched = []
            indeterminate = 0
            acknowledged = 0
            final = {}
            for client in clients:
                for entry in client.log:
                    lead_id = entry.get("lead")
                    if not lead_id:
                        continue
                    if entry["op"] == "observe":
                        final[lead_id] = entry["state"]
                        continue
                    if entry["outcome"] != "ok":
                        continue
                    acknowledged += 1
                    final[lead_id] = entry.get("state", final.get(lead_id))
                    since = datetime.fromisoformat(entry["t0"]) - timedelta(seconds=2)
                    state = entry.get("state") or {}
                    if entry["op"] in ("drag", "promote"):
                        cr.execute(
                            """SELECT 1 FROM crm_lead_stage_history WHERE lead_id = %s AND stage_id = %s
                               AND date_in >= %s""",
                            (lead_id, state["stage_id"], since),
                        )
                    elif entry["op"] == "lose":
                        cr.execute("SELECT 1 FROM crm_lead_loss WHERE lead_id = %s AND date >= %s", (lead_id, since))
                    elif entry["op"] == "restore":
                        cr.execute(
                            "SELECT 1 FROM crm_lead_loss WHERE lead_id = %s AND restored_date >= %s", (lead_id, since)
                        )
                    elif entry["op"] == "complete":
                        cr.execute(
                            "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM mail_activity WHERE id = %s AND active)",
                            (entry.get("activity"),),
                        )
                    else:
                        continue
                    if not cr.fetchone():
                        missing.append({k: entry.get(k) for k in ("op", "lead", "t0", "state", "activity")})
            for lead_id, state in final.items():
                if state is None:
                    indeterminate += 1
                    continue
                cr.execute(
                    """SELECT stage_id, type, active, won_status = 'lost', contact_policy = 'do_not_contact',
                              next_action_date FROM crm_lead WHERE id = %s""",
                    (lead_id,),
                )
                row = cr.fetchone()
                actual = {
                    "stage_id": row[0],
                    "type": row[1],
                    "active": row[2],
                    "lost": row[3],
                    "dnc": bool(row[4]),
                    "next_action_date": row[5].isoformat() if row[5] else False,
                }
                if actual != state:
                    mismatched.append({"lead": lead_id, "expected": state, "actual": actual})
            add(
                "acknowledged_writes_present",
                missing,
                {"acknowledged_writes": acknowledged},
            )
            add(
                "final_state_equals_client_logs",
                mismatched,
                {"leads_checked": len(final) - indeterminate, "indeterminate": indeterminate},
            )
        return results


def free_port():
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def print_summary(report, path):
    lines = [
        "== load run '%s'%s: %s clients, %s workers, %.0f s"
        % (
            report["name"],
            " with faults" if report["faults"] else "",
            report["clients"],
            report["workers"],
            report["duration_s"],
        ),
        "requests %s (%.1f/s), operations %s (%.1f/s)"
        % (report["requests"], report["requests_per_s"], report["operations"], report["operations_per_s"]),
        "latency all requests: %s" % report["latency_all_requests"],
    ]
    for op, figures in report["latency_per_operation"].items():
        lines.append("  %-13s %s" % (op, figures))
    lines.append("outcomes: %s" % report["outcomes"])
    lines.append(
        "HTTP 5xx: %s; failed attempts: %s; retries: %s"
        % (report["http_5xx"], report["failed_attempts_by_kind"], report["retries"])
    )
    lines.append("errors (after retries): %s" % (report["errors_by_kind"] or "none"))
    if report["faults"]:
        for fault in report["faults"]:
            lines.append("fault: %s" % fault)
    for name, check in report["checks"].items():
        lines.append(
            "check %-45s %s%s"
            % (name, "ok" if check["ok"] else "FAILED (%s)" % check["violations"], " %s" % check.get("detail", ""))
        )
    lines.append("%s -> %s" % ("PASSED" if report["passed"] else "FAILED", path))
    print("\n".join(lines), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="canvas_load")
    parser.add_argument("--name", default="normal")
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=20)
    parser.add_argument("--pg-restart-at", type=float, default=35)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(os.environ.get("LOCAL", ".local"), "load"))
    options = parser.parse_args()
    run = LoadRun(options)
    try:
        return run.execute()
    finally:
        run.stop_odoo()


if __name__ == "__main__":
    sys.exit(main())
