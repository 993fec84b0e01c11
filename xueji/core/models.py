from django.db import models

from xueji.core import clock


class ClockDateTimeField(models.DateTimeField):
    """A DateTimeField whose auto_now / auto_now_add read the one clock (core/clock.py), so tests that move the
    clock move these stamps too. It deconstructs as a plain DateTimeField: no migration follows from it."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class TimeStampedModel(models.Model):
    created_at = ClockDateTimeField(auto_now_add=True, db_index=False)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        abstract = True
