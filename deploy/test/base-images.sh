#!/usr/bin/env bash
# Builds, or finds already built, the local images the container test runs on, from Debian's packages
# (mmdebstrap + docker import): no image is pulled from a registry.
#
#   globalbrain-ci/aspnet:<hash>  stands in for mcr.microsoft.com/dotnet/aspnet (the Dockerfile's
#                                 RUNTIME_IMAGE): Debian bookworm (minbase) with libicu, libssl, tzdata,
#                                 ca-certificates, the ASP.NET Core and .NET runtimes copied from this
#                                 machine's dotnet install, and the user app (1654:1654)
#   globalbrain-ci/tools:<hash>   redis-server and prometheus (Debian's packages), for the compose
#                                 file's redis and prometheus services in place of redis:7.2 and prom/prometheus
#
# <hash> is the first 12 hex digits of the SHA-256 of the image's recipe (the function below, the
# Debian suite and, for aspnet, the runtime versions copied in): an unchanged recipe reuses the image
# built by an earlier run on the same daemon; a changed one builds a new tag.
# Usage (DOCKER_HOST names the daemon): base-images.sh aspnet|tools   prints the image's tag on stdout.
set -euo pipefail

suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")

# The runtimes the image carries: the newest 10.0 of each framework installed here.
runtime_dir() { find "$dotnet_root/shared/$1" -mindepth 1 -maxdepth 1 -type d -name '10.0.*' | sort -V | tail -1; }

recipe_aspnet() {
  local root=$1 netcore aspnet
  netcore=$(runtime_dir Microsoft.NETCore.App)
  aspnet=$(runtime_dir Microsoft.AspNetCore.App)
  mkdir -p "$root/usr/share/dotnet/shared/Microsoft.NETCore.App" "$root/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$root/usr/share/dotnet/"
  cp -a "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$root/usr/share/dotnet/" 2> /dev/null || true
  cp -a "$netcore" "$root/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  cp -a "$aspnet" "$root/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
  ln -s /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  # The aspnet image's non-root user: app, 1654:1654, home /home/app.
  echo 'app:x:1654:1654::/home/app:/bin/sh' >> "$root/etc/passwd"
  echo 'app:x:1654:' >> "$root/etc/group"
  echo 'app:!:19000:0:99999:7:::' >> "$root/etc/shadow"
  mkdir -p "$root/home/app" && chown 1654:1654 "$root/home/app"
}
packages_aspnet=ca-certificates,tzdata,libicu72,libssl3,libgcc-s1,libstdc++6,zlib1g
# What the aspnet image declares, apart from its ASPNETCORE_HTTP_PORTS (the Dockerfile sets ASPNETCORE_URLS).
changes_aspnet=("ENV APP_UID=1654" "ENV DOTNET_RUNNING_IN_CONTAINER=true" "ENV DOTNET_ROOT=/usr/share/dotnet"
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")

recipe_tools() {
  local root=$1
  # Debian's redis-server package would start a service at boot; the compose file starts it itself.
  rm -f "$root/etc/redis/redis.conf.dpkg-dist"
}
packages_tools=redis-server,prometheus,ca-certificates
changes_tools=("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")

kind=${1:?usage: base-images.sh aspnet|tools}
case "$kind" in
  aspnet | tools) ;;
  *) echo "base-images.sh: unknown image '$kind' (aspnet or tools)" >&2; exit 2 ;;
esac
packages_var=packages_$kind
changes_var="changes_$kind[@]"
extra=""
if [ "$kind" = aspnet ]; then
  extra="$(basename "$(runtime_dir Microsoft.NETCore.App)") $(basename "$(runtime_dir Microsoft.AspNetCore.App)")"
  [ -n "$extra" ] || { echo "base-images.sh: no .NET 10 runtime under $dotnet_root/shared" >&2; exit 1; }
fi
hash=$( { declare -f "recipe_$kind"; echo "${!packages_var}"; printf '%s\n' "${!changes_var}"; echo "$suite $mirror $extra"; } | sha256sum | cut -c1-12)
tag="globalbrain-ci/$kind:$hash"

if docker image inspect "$tag" > /dev/null 2>&1; then
  echo "base-images: $tag is cached (recipe unchanged)" >&2
  echo "$tag"
  exit 0
fi

echo "base-images: building $tag with mmdebstrap (Debian $suite: ${!packages_var})" >&2
start=$SECONDS
hookfile=$(mktemp)
trap 'rm -f "$hookfile"' EXIT
{ declare -f runtime_dir "recipe_$kind"; echo "dotnet_root='$dotnet_root'"; echo "recipe_$kind \"\$1\""; } > "$hookfile"
changes=()
for c in "${!changes_var}"; do changes+=(--change "$c"); done
nice -n 19 mmdebstrap --quiet --variant=minbase --include="${!packages_var}" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook="bash $hookfile \"\$1\"" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  "$suite" - "deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main" \
  | nice -n 19 docker import "${changes[@]}" - "$tag" > /dev/null
echo "base-images: built $tag in $((SECONDS - start)) s" >&2
echo "$tag"
