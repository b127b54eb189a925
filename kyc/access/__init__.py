"""Who may see or change what: the reviewer policy (``policy``), the staff roles (``roles``) and the
applicant's session grants (``applicants``)."""
