/* pages: the entry point of every page, one file per page family (page_<family>.c). */
#ifndef PAGES_H
#define PAGES_H

#include "gw_ctx.h"

void page_home(gw_ctx *ctx);
void page_healthz(gw_ctx *ctx);
void page_livez(gw_ctx *ctx);
void page_login_form(gw_ctx *ctx);
void page_login_submit(gw_ctx *ctx);
void page_logout(gw_ctx *ctx);
void page_reset_form(gw_ctx *ctx);
void page_reset_request(gw_ctx *ctx);
void page_reset_link(gw_ctx *ctx);
void page_reset_submit(gw_ctx *ctx);
void page_user(gw_ctx *ctx);
void page_profile_form(gw_ctx *ctx);
void page_profile_submit(gw_ctx *ctx);
void page_password_form(gw_ctx *ctx);
void page_password_submit(gw_ctx *ctx);
void page_talk(gw_ctx *ctx);
void page_comment_post(gw_ctx *ctx);
void page_comment_approve(gw_ctx *ctx);
void page_comment_delete(gw_ctx *ctx);
void page_commenter_approve(gw_ctx *ctx);
void page_commenter_delete(gw_ctx *ctx);
void page_moderate(gw_ctx *ctx);
void page_unsubscribe(gw_ctx *ctx);
void page_unsubscribe_post(gw_ctx *ctx);
void page_moderate_admin(gw_ctx *ctx);
void page_talk_new(gw_ctx *ctx);
void page_talk_create(gw_ctx *ctx);
void page_talk_edit(gw_ctx *ctx);
void page_talk_update(gw_ctx *ctx);
void page_talk_delete_form(gw_ctx *ctx);
void page_talk_delete(gw_ctx *ctx);
void page_feed(gw_ctx *ctx);
void page_user_feed(gw_ctx *ctx);
void page_talk_feed(gw_ctx *ctx);
void page_talk_card(gw_ctx *ctx);
void page_search(gw_ctx *ctx);
void api_search(gw_ctx *ctx);
void api_talks_list(gw_ctx *ctx);
void api_talk_get(gw_ctx *ctx);
void api_talk_comments(gw_ctx *ctx);
void api_tokens_create(gw_ctx *ctx);
void api_comment_approve(gw_ctx *ctx);
void api_comment_delete(gw_ctx *ctx);
void api_talk_delete(gw_ctx *ctx);
void api_preview(gw_ctx *ctx);

#endif
