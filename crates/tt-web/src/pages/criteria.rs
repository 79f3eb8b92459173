//! Criteria catalogue pages: every version, one version's criteria by category with their
//! changes, and publishing a new version from uploaded files.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest as _, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::criteria::{CatalogueSummary, CatalogueView};
use tt_app::{AppError, Permission};
use tt_domain::criteria::CatalogueKind;

use super::{FormErrors, Layout, can, encode_query_value, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{SignedIn, UploadForm};

#[derive(Template, WebTemplate)]
#[template(path = "criteria.html")]
pub struct CriteriaPage {
    layout: Layout,
    versions: Vec<CatalogueSummary>,
    can_publish: bool,
}

pub async fn criteria_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let versions = state.app.list_catalogues(&signed_in.actor).await?;
    Ok(CriteriaPage {
        layout: Layout::for_signed_in(&signed_in),
        versions,
        can_publish: can(&signed_in.actor, Permission::PublishCriteria),
    }
    .into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct CatalogueQuery {
    #[serde(default)]
    version: Option<String>,
    /// `YYYY-MM-DD`: must/should as on that day.
    #[serde(default)]
    on: Option<String>,
}

/// Criteria of one category, for the page's sections.
pub struct CategoryGroup {
    pub number: u8,
    pub name: String,
    pub focus_area: String,
    pub criteria: Vec<tt_app::criteria::CriterionView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue.html")]
pub struct CataloguePage {
    layout: Layout,
    view: CatalogueView,
    groups: Vec<CategoryGroup>,
    on: String,
}

pub async fn catalogue_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(catalogue): Path<String>,
    Query(query): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let kind = CatalogueKind::parse(&catalogue).map_err(|_| PageError::from(AppError::NotFound))?;
    let on = match query.on.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => Some(tt_domain::calendar::iso_date::parse(text).ok_or_else(|| {
            PageError::from(AppError::invalid("on", format!("'{text}' is not a date as YYYY-MM-DD")))
        })?),
    };
    let version = query.version.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let view = state.app.catalogue(&signed_in.actor, kind, version, on).await?;
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for criterion in &view.criteria {
        match groups.last_mut() {
            Some(group) if group.number == criterion.category_number => group.criteria.push(criterion.clone()),
            _ => groups.push(CategoryGroup {
                number: criterion.category_number,
                name: criterion.category.clone(),
                focus_area: criterion.focus_area.clone(),
                criteria: vec![criterion.clone()],
            }),
        }
    }
    Ok(CataloguePage {
        layout: Layout::for_signed_in(&signed_in),
        on: on.map_or_else(|| state.app.clock.now().date().to_string(), |day| day.to_string()),
        view,
        groups,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "criteria_publish.html")]
pub struct PublishPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    chosen: String,
    version: String,
    effective_from: String,
    errors: FormErrors,
}

fn publish_page_with(
    signed_in: &SignedIn,
    chosen: String,
    version: String,
    effective_from: String,
    errors: FormErrors,
) -> PublishPage {
    PublishPage {
        layout: Layout::for_signed_in(signed_in),
        kinds: CatalogueKind::ALL.into_iter().map(|kind| (kind.id(), kind.label())).collect(),
        chosen,
        version,
        effective_from,
        errors,
    }
}

pub async fn publish_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::PublishCriteria, state.app.clock.now())?;
    Ok(publish_page_with(&signed_in, "importer".to_owned(), String::new(), String::new(), FormErrors::default())
        .into_response())
}

/// Publishes a version from the uploaded catalogue file and, if given, mapping file. Who may
/// publish is checked before the upload is read.
pub async fn publish(
    State(state): State<WebState>,
    signed_in: SignedIn,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::PublishCriteria, state.app.clock.now())?;
    let upload = UploadForm::from_request(request, &state).await?;
    upload.form.verify_csrf(&signed_in.session)?;
    let chosen = upload.form.value("catalogue");
    let version = upload.form.value("version");
    let effective_from = upload.form.value("effective_from");
    let result = async {
        let kind = CatalogueKind::parse(&chosen)?;
        let day = tt_domain::calendar::iso_date::parse(&effective_from).ok_or_else(|| {
            AppError::invalid("effective_from", format!("'{effective_from}' is not a date as YYYY-MM-DD"))
        })?;
        let file = upload.file("file").ok_or_else(|| AppError::invalid("file", "choose the catalogue file"))?;
        state.app.publish_catalogue_upload(&signed_in.actor, kind, &version, day, file, upload.file("mapping")).await
    }
    .await;
    match result {
        Ok(view) => Ok(see_other(&format!(
            "/criteria/{}?version={}",
            view.summary.catalogue,
            encode_query_value(&view.summary.version)
        ))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = publish_page_with(&signed_in, chosen, version, effective_from, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
