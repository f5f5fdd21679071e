"""What a survey will not accept; views show these as a clear page or form error."""


class SurveyError(Exception):
    code = "survey_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidAnswer(SurveyError):
    code = "invalid_answer"


class AlreadyAnswered(SurveyError):
    code = "already_answered"


class NotRatable(SurveyError):
    code = "not_ratable"


class TooManyRequests(SurveyError):
    code = "rate_limited"
