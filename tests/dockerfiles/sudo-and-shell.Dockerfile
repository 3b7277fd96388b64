FROM ubuntu:22.04
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && apt-get install -y --no-install-recommends sudo ca-certificates && rm -rf /var/lib/apt/lists/*
RUN useradd -m dev && echo "dev ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers
USER dev
RUN pip install --user black
RUN pip3 install --no-cache-dir ruff
ADD --chown=dev:dev scripts /home/dev/scripts
ADD https://example.com/archive.tar.gz /tmp/
WORKDIR /home/dev
CMD ["bash"]
