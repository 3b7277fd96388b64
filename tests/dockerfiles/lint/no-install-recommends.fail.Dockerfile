FROM debian:12 AS build
RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
FROM debian:12
RUN apt-get update && apt-get -y install curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends a && apt-get install -y b && rm -rf /var/lib/apt/lists/*
# expect: 2 4 5
