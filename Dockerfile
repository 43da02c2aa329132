# syntax=docker/dockerfile:1
# The Orders service as a container: SDK stage builds, ASP.NET runtime stage runs as non-root.
# docker-compose.yml shows the production shape (SQL Server, several instances, reverse proxy).
# The target "sandbox" is the local provider sandbox on its own, for docker-compose.demo.yml only;
# the default (last) target is the service.

# ---- build -------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore inputs first (SDK pin, shared build settings, central package versions, project files):
# the restore layer and its NuGet downloads are reused until one of these changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Orders.Licensing/Orders.Licensing.csproj src/Orders.Licensing/
COPY src/Orders.Sandbox/Orders.Sandbox.csproj src/Orders.Sandbox/
COPY src/Orders.Api/Orders.Api.csproj src/Orders.Api/
RUN dotnet restore src/Orders.Api/Orders.Api.csproj

# Then the rest. sql/ must be in the build: Orders.Api.csproj embeds sql/sqlite/*.sql and
# sql/sqlserver/*.sql as the migrations DbUp applies at start-up. Restore does not read it, so it
# is copied after restore and a new migration does not invalidate the restore layer.
# .editorconfig carries analyzer settings the build enforces (warnings are errors).
COPY .editorconfig ./
COPY sql/ sql/
COPY src/ src/
RUN dotnet publish src/Orders.Api -c Release -o /app --no-restore -p:UseAppHost=false

# ---- sandbox (docker build --target sandbox) ---------------------------------------------------
# Restored above with the service, which references it.
FROM build AS sandbox-build
RUN dotnet publish src/Orders.Sandbox -c Release -o /sandbox --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS sandbox
WORKDIR /sandbox
COPY --from=sandbox-build /sandbox ./
# It refuses to run in Production (the image's default environment): the compose file sets another.
ENV ASPNETCORE_HTTP_PORTS=5090
EXPOSE 5090
USER $APP_UID
ENTRYPOINT ["dotnet", "Orders.Sandbox.dll"]

# ---- runtime -----------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

# Writable for the non-root user (the image's built-in "app" user, uid $APP_UID): /app/data is
# Storage:DataDirectory. With SQL Server and configured keys nothing important lives there, but the
# service creates the directory at start-up and would fail on a root-owned /app; a named volume
# mounted there (docker-compose.demo.yml) takes over its owner.
RUN mkdir -p /app/data && chown -R "$APP_UID" /app/data

COPY --from=build /app ./

ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID

# The aspnet image has no curl or wget. Rather than apt-get installing curl (an extra package and
# its CVEs in every image, for one probe), the check speaks HTTP/1.0 over bash's /dev/tcp: bash is
# part of the Ubuntu-based aspnet image. (A chiseled/distroless base would need another probe.)
# /health/live only says the process answers; docker-compose.yml probes /health/ready instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "Orders.Api.dll"]
