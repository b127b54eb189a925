"""The onboarding domain's rules in plain Python (no Django): the case state machine."""
