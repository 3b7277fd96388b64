FROM python:3.12-slim AS build
ENV PYTHONUNBUFFERED=1
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1
CMD ["python", "app.py"]
# expect: 3
