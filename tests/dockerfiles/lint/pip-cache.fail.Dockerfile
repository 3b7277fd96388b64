FROM python:3.12-slim
RUN pip install flask==3.0.0
RUN python3 -m pip install --upgrade pip==24.0
RUN pip3.12 install --no-cache-dir gunicorn==21.2.0 && pip install uvicorn==0.29.0
# expect: 2 3 4
