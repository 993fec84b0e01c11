"""Registration's codes: the request type of each registration kind."""

# The registration request types by kind (the kind a school files; the request type's code is also its
# business window's kind). types.py registers them; services.py files them by code, so it needs no types.
REQUEST_TYPE_OF = {"enrolled": "registration.enrolled", "grade1": "registration.grade1",
                   "returning": "registration.returning"}
