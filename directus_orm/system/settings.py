"""The project's settings (``directus_settings``): a singleton."""

from __future__ import annotations

import uuid
from typing import Any

from ..models.system import SystemModel

__all__ = ["DirectusSettings"]


class DirectusSettings(SystemModel):
    """The project's settings (``/settings``), one object: ``await DirectusSettings.objects.get()``,
    change fields, ``await settings.save()`` (a PATCH of the changed fields). Listing, filtering,
    creating and deleting raise ``UnsupportedOperation``. Encrypted fields (API keys) read masked."""

    id: int | None = None
    project_name: str | None = None
    project_url: str | None = None
    project_color: str | None = None
    project_logo: uuid.UUID | None = None
    public_foreground: uuid.UUID | None = None
    public_background: uuid.UUID | None = None
    public_note: str | None = None
    auth_login_attempts: int | None = None
    auth_password_policy: str | None = None
    storage_asset_transform: str | None = None
    storage_asset_presets: Any | None = None
    custom_css: str | None = None
    storage_default_folder: uuid.UUID | None = None
    basemaps: Any | None = None
    mapbox_key: str | None = None
    module_bar: Any | None = None
    project_descriptor: str | None = None
    default_language: str | None = None
    custom_aspect_ratios: Any | None = None
    public_favicon: uuid.UUID | None = None
    default_appearance: str | None = None
    default_theme_light: str | None = None
    theme_light_overrides: Any | None = None
    default_theme_dark: str | None = None
    theme_dark_overrides: Any | None = None
    report_error_url: str | None = None
    report_bug_url: str | None = None
    report_feature_url: str | None = None
    public_registration: bool | None = None
    public_registration_verify_email: bool | None = None
    public_registration_role: uuid.UUID | None = None
    public_registration_email_filter: Any | None = None
    visual_editor_urls: Any | None = None
    project_id: str | None = None
    mcp_enabled: bool | None = None
    mcp_allow_deletes: bool | None = None
    mcp_prompts_collection: str | None = None
    mcp_system_prompt_enabled: bool | None = None
    mcp_system_prompt: str | None = None
    project_owner: str | None = None
    project_usage: str | None = None
    org_name: str | None = None
    product_updates: bool | None = None
    project_status: str | None = None
    ai_openai_api_key: str | None = None
    ai_anthropic_api_key: str | None = None
    ai_system_prompt: str | None = None
    ai_google_api_key: str | None = None
    ai_openai_compatible_api_key: str | None = None
    ai_openai_compatible_base_url: str | None = None
    ai_openai_compatible_name: str | None = None
    ai_openai_compatible_models: Any | None = None
    ai_openai_compatible_headers: Any | None = None
    ai_openai_allowed_models: Any | None = None
    ai_anthropic_allowed_models: Any | None = None
    ai_google_allowed_models: Any | None = None
    collaborative_editing_enabled: bool | None = None
    ai_translation_default_model: str | None = None
    ai_translation_glossary: Any | None = None
    ai_translation_style_guide: str | None = None
    license_key: str | None = None
    license_token: str | None = None
    mcp_oauth_enabled: bool | None = None
    mcp_oauth_dcr_enabled: bool | None = None
    mcp_oauth_cimd_enabled: bool | None = None
    default_save_action: str | None = None

    class Meta:
        collection = "directus_settings"
        related_keys = {
            "project_logo": "directus_files", "public_foreground": "directus_files",
            "public_background": "directus_files", "storage_default_folder": "directus_folders",
            "public_favicon": "directus_files", "public_registration_role": "directus_roles",
        }
        singleton = True
