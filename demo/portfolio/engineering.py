"""The demo's Engineering use cases (the entry format is described in ``demo.portfolio``)."""

from __future__ import annotations

from typing import Any

ENGINEERING: list[dict[str, Any]] = [
    {
        "unit": "ENG", "status": "approved", "stage": "scaled", "tier": "low",
        "title": "Code review copilot",
        "summary": "Comments on pull requests with likely bugs, missing tests and security smells; the reviewer "
                   "decides what to act on.",
        "problem_statement": "Pull requests wait 30 hours on average for review and reviewers miss routine "
                             "issues in large diffs.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "30 hours pull-request cycle time", "outcome_target": "18 hours",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Source code is not used to train vendor models.",
        "business_owner": "eng.owner",
        "data_sources": "Source repositories, pull-request history, static-analysis results",
        "data_classification": "confidential", "personal_data": "none",
        "exposure": "internal_wide", "expected_users": 650, "integrations": "GitHub Enterprise, SonarQube",
        "release_in_days": -180, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("Pull-request cycle time", "process_efficiency", "hours", "30", "18", "decrease"),
            ("Suggestions accepted", "adoption_health", "%", "22", "35", "increase"),
            ("Escaped defects", "business_outcome", "per release", "9", "6", "decrease"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2), "Strong candidate; confirm vendor data terms at rollout."),
    },
    {
        "unit": "ENG", "status": "approved", "stage": "controlled_rollout", "tier": "low",
        "title": "Internal knowledge-base chatbot",
        "summary": "Answers staff questions from Confluence, SharePoint and engineering runbooks, with sources.",
        "problem_statement": "Staff spend about 15 minutes hunting for each answer across three wikis, and "
                             "runbooks are found too slowly during incidents.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "15 minutes to find an answer", "outcome_target": "Under 3 minutes",
        "outcome_time_horizon": "9 months",
        "outcome_constraints": "Answers respect the source system's access rights.",
        "business_owner": "eng.owner",
        "data_sources": "Confluence, SharePoint intranet, runbooks repository",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_wide", "expected_users": 6500, "integrations": "Confluence, SharePoint, Slack",
        "release_in_days": -15, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("Time to find an answer", "process_efficiency", "minutes", "15", "3", "decrease"),
            ("Grounded answers in weekly sample", "model_quality", "%", "85", "95", "increase"),
            ("Weekly active users", "adoption_health", "people", "300", "1500", "increase"),
        ],
        "override": ("medium", "It indexes confidential HR and finance pages for the whole organisation; one "
                               "access-rights bug would leak them widely. Needs privacy and architecture review."),
        "pilot": ((3, 3, 3, 3, 3, 2, 3, 2, 3, 3, 3, 3), "Strong candidate; permission-aware retrieval is the risk."),
    },
    {
        "unit": "ENG", "status": "in_review", "stage": "exploration", "tier": "low",
        "title": "Incident postmortem drafting",
        "summary": "Drafts the postmortem timeline and contributing factors from the incident channel and alerts.",
        "problem_statement": "Postmortems take nine days to publish, so lessons reach other teams after the "
                             "next similar incident.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "9 days to publish a postmortem", "outcome_target": "3 days",
        "outcome_time_horizon": "3 months", "business_owner": "eng.owner",
        "data_sources": "Incident Slack channels, PagerDuty alerts, deployment log",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 80, "integrations": "Slack, PagerDuty, Confluence",
        "release_in_days": 60, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [("Days to publish a postmortem", "process_efficiency", "days", "9", "3", "decrease")],
    },
    {
        "unit": "ENG", "status": "approved", "stage": "pilot", "tier": "low",
        "title": "Test-case generation agent",
        "summary": "Proposes unit tests for untested code paths as pull requests that engineers review and merge.",
        "problem_statement": "Legacy services sit at 58% unit-test coverage, which slows every change to them.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "58% unit-test coverage on legacy services", "outcome_target": "75% coverage",
        "outcome_time_horizon": "6 months", "business_owner": "eng.owner",
        "data_sources": "Source repositories, coverage reports",
        "data_classification": "confidential", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 60, "integrations": "GitHub Enterprise, CI pipelines",
        "release_in_days": 30, "ai_pattern": "agent",
        "autonomy": "human_review", "decision_impact": "none",
        "kpis": [
            ("Unit-test coverage on legacy services", "business_outcome", "%", "58", "75", "increase"),
            ("Generated tests merged", "adoption_health", "%", "30", "60", "increase"),
        ],
    },
    {
        "unit": "ENG", "status": "approved", "stage": "controlled_rollout", "tier": "medium",
        "title": "Cloud cost anomaly auto-remediation",
        "summary": "Detects idle and runaway cloud resources and shuts them down automatically in non-production.",
        "problem_statement": "Forgotten test environments and runaway jobs waste about EUR 85k of cloud spend a "
                             "month.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "EUR 85k monthly cloud waste", "outcome_target": "EUR 40k monthly",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Only resources tagged auto-remediate; production is out of scope.",
        "business_owner": "eng.owner",
        "data_sources": "Cloud billing export, resource tags, utilisation metrics",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 40, "integrations": "AWS Cost Explorer, Terraform Cloud",
        "release_in_days": -10, "ai_pattern": "agent",
        "autonomy": "automated", "decision_impact": "none",
        "kpis": [
            ("Monthly cloud waste", "business_outcome", "EUR k", "85", "40", "decrease"),
            ("Resources stopped in error", "platform_reliability", "per month", "3", "0", "decrease"),
        ],
        "override": ("low", "Acts only on tagged non-production resources under a spend cap, with no personal data "
                            "and no customer impact; every action can be undone in one click."),
    },
]
