# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
COPY testfile.txt c:\
RUN New-Item -ItemType Directory C:\Example `
    # a comment inside the continuation
    ; Write-Host done
WORKDIR c:\app
ENV TOOL_HOME=c:\tools `
    PATH=c:\tools\bin
