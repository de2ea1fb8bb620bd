"""E-mail goes out through Celery so a slow mail server never holds a web request."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(name="registry.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
