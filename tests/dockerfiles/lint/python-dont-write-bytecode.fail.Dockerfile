FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1
CMD ["python", "app.py"]
# expect: 1
