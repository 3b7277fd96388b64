FROM node:20.11-alpine
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
RUN npm install && npm run build
# expect: 4 5
