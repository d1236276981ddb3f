"""The demo's People (HR) use cases (the entry format is described in ``demo.portfolio``)."""

from __future__ import annotations

from typing import Any

HR: list[dict[str, Any]] = [
    {
        "unit": "HR", "status": "approved", "stage": "pilot", "tier": "high",
        "title": "CV screening assistant", "ai_act_role": "deployer",
        "summary": "Ranks applications against the job's must-have criteria and explains each ranking to the "
                   "recruiter.",
        "problem_statement": "Popular roles get 600 applications; recruiters take twelve days to shortlist and "
                             "good candidates accept other offers.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "12 days from closing date to shortlist", "outcome_target": "5 days",
        "outcome_time_horizon": "12 months",
        "outcome_constraints": "A recruiter reviews every application; no automatic rejection; bias tested "
                               "before each role family goes live.",
        "business_owner": "hr.owner",
        "data_sources": "Applicant tracking system: CVs, application answers, job descriptions",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "external", "expected_users": 30, "integrations": "Workday Recruiting",
        "release_in_days": 75, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [
            ("Time to shortlist", "process_efficiency", "days", "12", "5", "decrease"),
            ("Adverse-impact ratio across groups", "model_quality", "ratio", "0.80", "0.90", "increase"),
            ("Hiring-manager satisfaction", "adoption_health", "score out of 5", "3.4", "4.2", "increase"),
        ],
        "pilot": ((3, 3, 3, 2, 2, 2, 2, 1, 3, 2, 2, 2), "Moderate: high value, but risk exposure needs the "
                                                          "bias-testing plan before the pilot."),
    },
    {
        "unit": "HR", "status": "approved", "stage": "scaled", "tier": "low",
        "title": "HR policy assistant chatbot", "ai_act_role": "provider", "interacts_with_people": True,
        "summary": "Answers employees' questions on leave, benefits and policies, citing the policy page.",
        "problem_statement": "The HR service desk gets 1,200 policy questions a month whose answers are already "
                             "on the intranet.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "1,200 policy tickets a month", "outcome_target": "600 a month",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Answers only from published policies; personal cases go to HR.",
        "business_owner": "hr.owner",
        "data_sources": "Published HR policies and benefits pages",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_wide", "expected_users": 6500, "integrations": "Microsoft Teams, ServiceNow HR",
        "release_in_days": -210, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("HR policy tickets", "business_outcome", "per month", "1200", "600", "decrease"),
            ("Grounded answers in weekly sample", "model_quality", "%", "88", "97", "increase"),
            ("Monthly active users", "adoption_health", "people", "900", "2500", "increase"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3), "Strong candidate; low risk, content already curated."),
    },
    {
        "unit": "HR", "status": "submitted", "stage": "exploration", "tier": "high",
        "title": "Attrition-risk prediction",
        "summary": "Predicts which teams and roles are at risk of regretted attrition to target retention work.",
        "problem_statement": "Regretted attrition in engineering and sales is 11% and exit interviews come too "
                             "late to act on.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "11% regretted attrition", "outcome_target": "9% regretted attrition",
        "outcome_time_horizon": "18 months",
        "outcome_constraints": "Team-level insight only to managers; no individual scores shown.",
        "business_owner": "hr.owner",
        "data_sources": "HRIS records, engagement survey results, compensation history",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 15, "integrations": "Workday, data warehouse",
        "release_in_days": 240, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [("Regretted attrition", "business_outcome", "%", "11", "9", "decrease")],
    },
    {
        # Submitted without naming a prohibited practice; the governance admin finds one (EU AI Act
        # Article 5(1)(f)) and overrides the tier to prohibited, which rejects it.
        "unit": "HR", "status": "rejected", "stage": "exploration", "tier": "high",
        "title": "Agent wellbeing voice analytics",
        "summary": "Scores contact-centre agents' stress and mood from their voices on calls, for team leads.",
        "problem_statement": "Team leads learn of burnout only at exit interviews; attrition costs two months' "
                             "salary per agent.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "38% annual agent attrition", "outcome_target": "30% annual agent attrition",
        "outcome_time_horizon": "12 months", "business_owner": "hr.owner",
        "data_sources": "Call audio, agent roster, schedule adherence",
        "data_classification": "restricted", "personal_data": "special_category",
        "exposure": "internal_small", "expected_users": 25, "integrations": "Genesys Cloud, Workday",
        "release_in_days": 200, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [("Annual agent attrition", "business_outcome", "%", "38", "30", "decrease")],
        "override": ("prohibited", "It infers workers' emotions from their voices at work: a practice the EU AI "
                                   "Act prohibits (Article 5(1)(f)), whatever the safeguards."),
    },
    {
        "unit": "HR", "status": "submitted", "stage": "exploration", "tier": "medium",
        "title": "Interview scheduling agent",
        "summary": "Finds slots across interview panels, emails candidates and reschedules on request.",
        "problem_statement": "Recruiting coordinators spend four days on average arranging each interview loop.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "4 days to schedule an interview loop", "outcome_target": "1 day",
        "outcome_time_horizon": "6 months", "business_owner": "hr.owner",
        "data_sources": "Interviewer calendars, candidate contact details",
        "data_classification": "internal", "personal_data": "personal",
        "exposure": "external", "expected_users": 2000, "integrations": "Microsoft 365 calendars, Workday Recruiting",
        "release_in_days": 120, "ai_pattern": "agent", "generates_content": True,
        "autonomy": "human_monitoring", "decision_impact": "none",
        "kpis": [
            ("Time to schedule an interview loop", "process_efficiency", "days", "4", "1", "decrease"),
            ("Candidate satisfaction with scheduling", "adoption_health", "%", "70", "85", "increase"),
        ],
    },
    {
        "unit": "HR", "status": "approved", "stage": "retired", "tier": "low",
        "title": "Onboarding FAQ bot (first generation)",
        "summary": "Rule-based and retrieval FAQ bot for new starters; replaced by the HR policy assistant.",
        "problem_statement": "New starters asked their managers the same first-week questions again and again.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "30% of new-starter questions answered by the bot",
        "outcome_target": "50% answered by the bot",
        "outcome_time_horizon": "6 months", "business_owner": "hr.owner",
        "data_sources": "Onboarding guide and first-week checklist",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 150, "integrations": "Microsoft Teams",
        "release_in_days": -540, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [("New-starter questions answered by the bot", "adoption_health", "%", "30", "50", "increase")],
    },
    {
        "unit": "HR", "status": "draft", "stage": "exploration", "tier": None,
        "title": "Personalised learning recommendations",
        "summary": "Suggest courses from the learning catalogue based on role, skills profile and goals.",
        "problem_statement": "Only 20% of staff use their training budget; the catalogue is hard to navigate.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "employee_productivity",
        "business_owner": "hr.owner", "delivery_owner": None,
    },
]
