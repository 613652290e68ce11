"""Access control: who is asking (API keys, OpenID Connect tokens), what their role in
each tenant lets them do, and the limits every request passes."""
