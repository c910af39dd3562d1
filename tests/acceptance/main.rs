//! Acceptance tests: the provider binary driven by the real Terraform CLI (and, for the
//! protocol's corners, by a go-plugin client of our own), against qualys-sim on 127.0.0.1.

mod adoption;
mod aws_connector;
mod bad_day;
mod budget;
mod evidence;
mod examples;
mod migration;
mod modern;
mod onboarding;
mod plans;
mod plugin_process;
mod protocol;
mod provider_config;
mod real_answers;
mod release;
mod resilience;
mod support;
mod wire;
